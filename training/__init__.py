"""Attune's training side: features, model fitting, evaluation and the artifact."""
