"""The built-in backend: plain-language requests routed to the built-in analysers.

- :mod:`.intents` — what can be asked (names, exemplar phrasings, strong keywords);
- :mod:`.params` — durations, counts, ratios, quoted phrases and time windows, by rules;
- :mod:`.embedder` — MiniLM sentence embeddings from a PyPI package, offline, lazily;
- :mod:`.router` — embedding ranking + rules → :class:`~.router.RoutedRequest`;
- :mod:`.tasks` — each intent → analysers → suggestions; :mod:`.chapters` — chapter lists;
- :mod:`.backend` — :class:`~.backend.BuiltinBackend`, the protocol's face of all this.

Importing this package loads neither torch nor transformers: the backend's ``load`` does.
"""
