"""Vision-language models through transformers: Qwen3-VL and Qwen2.5-VL from a local folder.

* :mod:`.backend` — :class:`~.backend.TransformersVLMBackend`, the model protocol;
* :mod:`.loading` — find and check a model folder, load it (4-bit/8-bit optional);
* :mod:`.sampling` — the frames a model sees, exact times, honouring a request's window;
* :mod:`.tasks` — which answer a request wants (ranges, boxes, chapters, highlights, text);
* :mod:`.dialects` — per family: prompts, time origin, box coordinates;
* :mod:`.generation` — processor inputs and cancellable greedy generation;
* :mod:`.parse` — tolerant readers of model output (never raise);
* :mod:`.results` — parsed output → suggestions, snapped to frames.

torch and transformers are imported inside functions: importing this package is cheap.
"""
