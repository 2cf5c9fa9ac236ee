"""Training-package tests need torch; they are part of the CI run (torch is a test dependency)."""
