"""Encryption for the protection desk (an engine: it knows bytes and keys, no domain).

- :mod:`civwatch.crypto.envelope`: AES-256-GCM field encryption bound to the record and field
  it belongs to, per-person data keys wrapped by the desk's key (:class:`DeskKey`).
- :mod:`civwatch.crypto.desk_key`: the desk's key from a passphrase (argon2id) or a key file.
- :mod:`civwatch.crypto.blind`: blind indexes (keyed HMAC of normalised names, phones,
  document numbers) to find a person without decrypting the registry.
- :mod:`civwatch.crypto.age_packets`: packets in the age format for partners (referrals) and
  for the desk itself (requests for help).

See docs/protection-crypto.md for the scheme and what each part protects against.
"""
