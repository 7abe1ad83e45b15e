"""Campaigns: petitions and letters to decision-makers built on verified, published work.

The contract the interfaces (web pages, JSON API, command line) call. Every function takes
the :class:`~civwatch.workspace.Workspace` first, opens its own session and returns plain
JSON-ready values; errors are ``CivwatchError`` subclasses with a translated message
(NotFoundError 404, RejectedInputError 400, ConflictError 409, PermissionDeniedError 403).
These names stay; new ones are added, none renamed.

Public (no sign-in; never a supporter's data):

- ``public.public_view(ws, campaign_id, lang) -> dict``: ``id, title, summary, ask, kind
  (petition|letter), state (live|closed), count (confirmed, each e-mail once), goal (or
  None), progress (0..1 or None), starts, ends (ISO or None), languages, incidents (public
  cards from publish/public.py), letter ({"subject", "template"} or None), targets
  ([{"id", "name", "country"}], no e-mail), target_countries``. A draft is NotFoundError.
- ``public.public_count(ws, campaign_id) -> int``.
- ``public.live_campaigns_for_incident(ws, incident_id) -> [{"id", "title", "kind"}]``
  (the "act" link of a published incident's page).
- ``actions.submit_signature(ws, campaign_id, data, language="en") -> Submitted`` with
  ``data`` = ``{"name", "email", "country" (ISO alpha-2), "comment"?, "consent_contact"?,
  "consent_named"?}`` (unknown keys refused); pending, a confirmation mail queued.
  ``Submitted.json() -> {"campaign", "status": "pending"}``.
- ``actions.submit_letter(ws, campaign_id, data, language="en") -> Submitted``: the same
  plus ``"subject"?, "letter"?`` (the edited template) and ``"to"?`` (target ids; absent:
  the targets of the supporter's country, or all).
- ``actions.confirm(ws, token) -> {"campaign", "outcome": "confirmed" |
  "already-confirmed" | "duplicate", "count"}``; forged/expired token RejectedInputError.
- ``actions.delete_by_token(ws, token) -> {"campaign", "deleted": True}`` (the deletion
  link of the confirmation mail).
- ``abuse``: ``RateLimiter`` (``check(address)`` raising TooManyAttemptsError 429,
  ``allow(address) -> bool``, ``in_burst()``), ``HONEYPOT`` (the hidden field's name),
  ``new_challenge()``, ``check_work(challenge, nonce)`` (each challenge serves once),
  ``solve``. The web keeps one limiter per app (``web/campaigns_api.py``
  ``campaign_limiter(request)``) shared by the API and the forms.
- Links mailed: ``{base}/campaigns/confirm/{token}`` and ``{base}/campaigns/delete/{token}``
  (HTML pages, the web engineer's); the API confirms at
  ``GET /api/v1/public/campaigns/confirm/{token}``.

Team (signed in; ``actor`` is the username):

- ``service.create_campaign(ws, actor=, title=, kind=, summary=, ask=, letter_subject=,
  letter_template=, goal=, starts_at=, ends_at=, languages=, incidents=,
  retention_days=) -> campaign_json`` (campaigns.write); ``service.update_campaign(ws,
  id, actor=, changes={...})``; ``service.import_targets(ws, id, data: bytes, actor=)
  -> {"campaign", "targets"}`` (CSV name,country,email; bad rows listed by number);
  ``service.publish_campaign`` / ``service.close_campaign(ws, id, actor=)`` (publish);
  ``service.list_campaigns(ws, actor=, state=None) -> [{"id", "title", "kind", "state",
  "count", "goal", "starts", "ends"}]``; ``service.get_campaign(ws, id, actor=) ->
  campaign_json`` (text, state, dates, incidents, count, pending, targets with e-mail).
- ``delivery.deliver(ws, id, actor=, language="en") -> (pdf bytes, {"campaign", "count",
  "named", "language", "sha256"})``: count by country, names only where agreed; recorded.
- ``retention.purge_campaign(ws, id, actor=)`` and ``retention.purge_expired(ws)``.
- ``outbox.send_due(ws) -> SendReport``; ``outbox.mail_state(ws, id) -> {state: n}``.

Supporters' names, e-mails, comments and letters are sealed per action
(``keys.seal_action``: envelope encryption under the campaigns' key file); the e-mail is
also a keyed blind index for counting each address once.
"""
