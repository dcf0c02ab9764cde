class TTSError(ValueError):
    """Input the engine cannot speak: unknown voice, empty text, bad speed."""
