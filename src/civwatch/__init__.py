"""civwatch: attacks on civilians made provable; protection for the people most at risk."""

__version__ = "0.1.0"
