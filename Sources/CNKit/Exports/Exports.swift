@_exported import CNProtocol
@_exported import CNCrypto
