"""Keep watch: subscriptions, matching, delivery (webhook, e-mail, Atom) and `moa update`."""
