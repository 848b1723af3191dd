"""Rate limits counted in Redis: clients told apart by the address the network vouches for."""
