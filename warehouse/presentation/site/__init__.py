"""The public web site of the målstruktur (issue 22): static pages built from the published
snapshot for residents, councillors and staff. No script, font or image from another host, so
it works from disk and on an intranet; every figure says its source."""
