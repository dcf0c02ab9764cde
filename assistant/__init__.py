"""On-device voice assistant: microphone -> VAD -> Whisper -> LLM -> sentences -> G2P -> Kokoro -> speaker."""

__version__ = "0.1.0"
