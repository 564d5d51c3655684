"""The data model: enumerations, the SQLModel tables of record, and the plain read rows."""
