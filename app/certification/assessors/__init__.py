"""The assessor registry of a certification body; declarations and declared conflicts."""
