"""What a merchant configures: its tenants and channels, its policy, how its shoppers sign in.

Channels, the stack, the actions and the commerce client all read it; it imports none of them
and nothing of Rasa, so it sits below every layer that needs a merchant's rules.
"""
