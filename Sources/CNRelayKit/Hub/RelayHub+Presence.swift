import CNCrypto
import CoreMetrics
import Logging
import CNProtocol

extension RelayHub {
    /// An account's devices active in the last 30 days or online now, newest first.
    func activeDevices(of account: String) -> [String] {
        let cutoff = WallClock.seconds() - ProtocolLimits.activeDeviceDays * 86_400
        let live = online[account] ?? [:]
        return (devices[account] ?? [:])
            .filter { $0.value.lastActive >= cutoff || live[$0.key] != nil }
            .sorted { $0.value.lastActive != $1.value.lastActive ? $0.value.lastActive > $1.value.lastActive : $0.key < $1.key }
            .map(\.key)
    }

    /// The account's active devices with `device` first: the one that sealed a friend
    /// packet, so that `publicKey` (the first) names the key to decrypt it with.
    func activeDevices(of account: String, first device: String) -> [String] {
        let all = activeDevices(of: account)
        guard all.contains(device) else { return all }
        return [device] + all.filter { $0 != device }
    }

    func onlineDevices(of account: String) -> [String] {
        (online[account] ?? [:]).keys.sorted()
    }

    /// SESSION_LIST (PROTOCOL §5.8): every friendship, then the self conversation.
    func sessionList(for session: RelayConnection.Session) -> [SessionEntry] {
        let mine = activeDevices(of: session.account).filter { $0 != session.device }
        var entries = (friends[session.account] ?? [:]).sorted { $0.value < $1.value }.map { peer, sid in
            let peerOnline = onlineDevices(of: peer)
            return SessionEntry(sid: sid, peerHash: peer, peerEmail: emails[peer] ?? "", online: !peerOnline.isEmpty,
                                peerPubKeys: activeDevices(of: peer), onlinePubKeys: peerOnline, ownPubKeys: mine)
        }
        let ownOnline = onlineDevices(of: session.account).filter { $0 != session.device }
        entries.append(SessionEntry(sid: session.selfSid, peerHash: session.account, peerEmail: session.email.value,
                                    online: !ownOnline.isEmpty, peerPubKeys: mine, onlinePubKeys: ownOnline, ownPubKeys: mine))
        return entries
    }

    /// A device's first socket authenticated: PEER_ONLINE to every online friend and to
    /// the account's other devices (self conversation).
    func announceDeviceOnline(_ session: RelayConnection.Session) {
        let frameData = PeerOnline(peerPubKeys: activeDevices(of: session.account), devicePublicKey: session.device)
        for (peer, sid) in friends[session.account] ?? [:] {
            sendToAccount(peer) { _ in .peerOnline(sid: sid, frameData) }
        }
        sendToAccount(session.account) { device in
            device == session.device ? nil : .peerOnline(sid: session.selfSid, frameData)
        }
    }

    /// A device's last socket closed: PEER_OFFLINE, telling whether the account is
    /// still online on another device.
    func announceDeviceOffline(_ session: RelayConnection.Session) {
        let stillOnline = online[session.account]?.isEmpty == false
        let frameData = PeerOffline(devicePublicKey: session.device, online: stillOnline)
        for (peer, sid) in friends[session.account] ?? [:] {
            sendToAccount(peer) { _ in .peerOffline(sid: sid, frameData) }
        }
        sendToAccount(session.account) { _ in .peerOffline(sid: session.selfSid, frameData) }
    }

    /// After a new friendship: each side hears PEER_ONLINE for the other's online devices.
    func announcePresence(between a: String, and b: String, sid: String) {
        for (x, y) in [(a, b), (b, a)] {
            let keys = activeDevices(of: y)
            for device in onlineDevices(of: y) {
                sendToAccount(x) { _ in .peerOnline(sid: sid, PeerOnline(peerPubKeys: keys, devicePublicKey: device)) }
            }
        }
    }
}
