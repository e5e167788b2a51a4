"""License determination: ordered regulatory checks, each citing its CFR section or FR notice."""
