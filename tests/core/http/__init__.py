"""What every endpoint shares: the error shape, body limits, request ids, client addresses."""
