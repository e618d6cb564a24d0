"""khazar: Persian news to knowledge a person can search, trust and act on."""
__version__ = "0.1.0"


def process(raw):  # noqa: ANN001,ANN201 - re-exported for `from khazar import process`
    from .pipeline import process as _process

    return _process(raw)
