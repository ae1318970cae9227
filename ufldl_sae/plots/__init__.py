"""Figures: the course's ``display_network``, the run's figures and the tutorials' figures.

Every function here takes host or device arrays, copies them to the host once and writes a PNG;
nothing below this folder imports it.
"""
