"""The statutory holiday calendar: the project's own data, loaded per year by admins, read synchronously."""
