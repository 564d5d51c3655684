"""Pure domain rules: scoring, rights predicates, validation, number reading, quarters.

No I/O here, so every rule can be unit- and property-tested without a database.
"""
