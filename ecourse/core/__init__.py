"""The foundation: settings, the clock, the database and its models and statuses, tokens,
links, languages and dates. It imports nothing else of ecourse."""
