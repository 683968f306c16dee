"""A generated season of matchmaking for a newcomer to look at (`season`): firms
(`firms`), their moments (`clock`) and every step played through the real use cases (`play`).
A generator, not storage: it may import every other room of `db`, and `matching`."""
