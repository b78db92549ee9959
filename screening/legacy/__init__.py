"""Earlier versions of the questionnaire and its criteria, frozen.

A screening is shown with the version it was answered under, whatever the current one says:
the summary, the PDF and the clinician's page of a screening sent under 2026.11 read as they did
when it was sent. Nothing here changes once released; drafts move to the current version.
"""
