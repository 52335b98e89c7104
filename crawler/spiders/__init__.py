"""The spiders: one per module, `name` equal to the module's name."""
