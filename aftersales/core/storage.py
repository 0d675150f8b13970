"""Static files: hashed names and precompressed copies served by WhiteNoise."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Gzip copies only. Brotli is installed (WeasyPrint's fonts need it), and WhiteNoise would
    then also brotli-compress ~50 MB of vendored JavaScript at its slowest level on every
    ``collectstatic``: minutes on a fresh machine for a few per cent smaller files."""

    def create_compressor(self, **kwargs):
        return super().create_compressor(use_brotli=False, **kwargs)
