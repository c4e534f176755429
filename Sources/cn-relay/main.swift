import ArgumentParser
import CNRelayKit

await RelayCommand.main()
