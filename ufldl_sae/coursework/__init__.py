"""Coursework mode: the exercise's starter files and a checker that names the student's mistake."""
