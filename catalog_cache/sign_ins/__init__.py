"""Who holds an API token, known from Redis: signed-in callers recognised without the database.

- ``holders``: a token's holder (its stored form, the Lua patterns reading it), kept under the
  token's own version, recalled, remembered and forgotten
- ``receivers``: a token or user changed -> the token's holder forgotten after the commit
"""
