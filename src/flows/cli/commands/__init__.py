"""Commands that live in their own modules: each defines its command function (or a sub-app)
with the shared pieces of flows.cli.support; flows.cli.app registers them."""
