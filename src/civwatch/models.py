"""Every table of civwatch, gathered so migrations and ``create_all`` see them all."""

from civwatch.accounts import models as _accounts  # noqa: F401
from civwatch.campaigns import models as _campaigns  # noqa: F401
from civwatch.custody import models as _custody  # noqa: F401
from civwatch.db import Base
from civwatch.evidence import models as _evidence  # noqa: F401
from civwatch.incidents import models as _incidents  # noqa: F401
from civwatch.intake import models as _intake  # noqa: F401
from civwatch.intake import testimony_models as _testimony  # noqa: F401
from civwatch.jobs import models as _jobs  # noqa: F401
from civwatch.protection import models as _protection  # noqa: F401
from civwatch.publish import models as _publish  # noqa: F401
from civwatch.relief import models as _relief  # noqa: F401
from civwatch.shelters import models as _shelters  # noqa: F401

metadata = Base.metadata
