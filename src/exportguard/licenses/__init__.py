"""License applications and licenses: lifecycle transitions, deadlines and balances."""
