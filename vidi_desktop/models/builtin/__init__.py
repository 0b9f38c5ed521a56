"""The built-in backend: plain-language requests routed to the built-in analysers.

- :mod:`.intents` — what can be asked (names, exemplar phrasings, strong keywords);
- :mod:`.params` — durations, counts, ratios, quoted phrases and time windows, by rules;
- :mod:`.embedder` — MiniLM sentence embeddings (:mod:`.minilm`: numpy), offline, cached;
- :mod:`.rewrite` (with :mod:`.lexicon`) — typos, shorthand, es/fr/de/pt → plain English;
- :mod:`.refusals` — editing jobs outside the product, and what to offer instead;
- :mod:`.compound` — several tasks in one request, each with its own parameters;
- :mod:`.router` — embedding ranking + rules → :class:`~.router.RoutedRequest`;
- :mod:`.plan` — a routed request as the steps it would run (``ask --plan``), or why not;
- :mod:`.tasks` — each intent → analysers → suggestions; :mod:`.chapters` — chapter lists;
- :mod:`.presets` — the one-click requests, answered without routing;
- :mod:`.backend` — :class:`~.backend.BuiltinBackend`, the protocol's face of all this.

Nothing here imports torch or transformers, loaded or not.
"""
