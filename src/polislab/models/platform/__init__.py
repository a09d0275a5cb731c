"""A social-media platform where users post, like and follow (seed 003; issue 23)."""
