"""What every endpoint shares, whichever app serves it; imports nothing from the apps.

- ``client_address``: who is asking (the socket's address, or what trusted proxies forward)
- ``errors``: one JSON error shape, for DRF views and for what fails before a view runs
- ``headers``: a request header's text as the client wrote it, for messages that echo it
- ``etags``: the entity tag of a body or a representation, computed one way everywhere
- ``parsers``: JSON bodies that refuse nesting too deep to parse
- ``request_id``: a request id for every request, echoed and logged
- ``schema``: OpenAPI post-processing hooks (one honest 400 shape, JSON request bodies)
"""
