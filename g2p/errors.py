"""The one exception type the package raises."""


class G2PError(ValueError):
    """Raised for input that cannot be spoken (e.g. only symbols with no reading)."""
