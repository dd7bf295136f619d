"""Mechanisms that know no SRM domain: database, serving, outbox, delivery, scheduler, i18n, text."""
