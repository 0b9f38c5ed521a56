"""The built-in backend: plain-language requests routed to the built-in analysers.

- :mod:`.intents` — what can be asked (names, exemplar phrasings, strong keywords);
- :mod:`.params` — durations, counts, ratios, quoted phrases and time windows, by rules;
- :mod:`.embedder` — MiniLM sentence embeddings (:mod:`.minilm`: numpy), offline, cached;
- :mod:`.router` — embedding ranking + rules → :class:`~.router.RoutedRequest`;
- :mod:`.tasks` — each intent → analysers → suggestions; :mod:`.chapters` — chapter lists;
- :mod:`.presets` — the one-click requests, answered without routing;
- :mod:`.backend` — :class:`~.backend.BuiltinBackend`, the protocol's face of all this.

Nothing here imports torch or transformers, loaded or not.
"""
