"""flows: arms and military-support flows between states, and the sanctions that answer them."""
