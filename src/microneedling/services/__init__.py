"""Use cases over the records: each runs in one transaction, checks the actor's role and
scopes every query to the actor's clinic. The CLI and the API call only these."""
