"""The agent desk: tickets from handoffs, the agent console, and external help desks."""
