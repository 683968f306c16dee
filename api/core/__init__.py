"""What every route and page of the app stands on: its settings (`config`), the request's
database, clock, caller and language (`deps`), the JSON error shape and request ids (`errors`),
slowing down token guessing (`throttle`), the offline API docs (`docs`) and `/metrics`
(`metrics`). It may import `db` and `matching`; the routes, the dashboard and the app import it."""
