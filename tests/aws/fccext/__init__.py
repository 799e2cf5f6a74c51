"""fccext — the operations moto 5.2.1 lacks, served in front of moto's own server.

Each service module registers its handlers with core.register(); server.py puts the
dispatcher (core.ExtensionApp) in front of moto's DomainDispatcherApplication.
"""
