"""The portal app's models. ``LaunchLink`` is declared in the domain (``clinics.launch``, with
this app's label) so that the API can create links without importing a door."""

from sentinel.clinics.launch import LaunchLink

__all__ = ["LaunchLink"]
