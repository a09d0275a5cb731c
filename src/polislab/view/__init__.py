"""Layer 5 beside ``figures`` and ``report``: ``polislab view``, a live view of a running model in
the browser and a browser of stored runs (issue 26). It runs models through their live runs
(``polislab.core.live``), reads stores and draws registered figures; the CLI starts it."""
