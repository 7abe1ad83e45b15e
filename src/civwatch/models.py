"""Every table of civwatch, gathered so migrations and ``create_all`` see them all."""

from civwatch.custody import models as _custody  # noqa: F401
from civwatch.db import Base
from civwatch.evidence import models as _evidence  # noqa: F401

metadata = Base.metadata
