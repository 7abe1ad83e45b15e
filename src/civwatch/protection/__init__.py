"""The protection desk: a confidential registry of people at risk, encrypted field by
field, searched through blind indexes, read on a need-to-know basis and every read
recorded in the protection audit log."""
