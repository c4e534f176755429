@_exported import CNProtocol
@_exported import CNCrypto
@_exported import CNStore
@_exported import CNClient
@_exported import CNCLI
