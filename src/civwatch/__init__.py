"""civwatch: evidence of attacks on civilians, preserved and provable; protection for people at risk."""

__version__ = "0.1.0"
