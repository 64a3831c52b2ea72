"""Speech: backend-neutral transcription pieces (timelines, voice activity) and ASR evaluation."""
