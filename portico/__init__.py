"""Portico: a CRM built around a customer self-service portal."""
