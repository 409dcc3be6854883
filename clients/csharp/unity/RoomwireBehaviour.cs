using UnityEngine;

namespace Roomwire.Unity
{
    /// <summary>
    /// Owns a <see cref="RoomwireClient"/> and pumps it once a frame on Unity's main thread, so that
    /// every event and request callback runs there. Untested outside Unity (see README.md).
    /// </summary>
    public sealed class RoomwireBehaviour : MonoBehaviour
    {
        public string host = "127.0.0.1";
        public int port = 5000;
        public bool reconnect = true;
        public bool connectOnAwake = true;
        [Tooltip("Ping this often (ms), which also keeps the server's idle timeout away; 0 = off.")]
        public int autoPingIntervalMs = 10000;

        public RoomwireClient Client { get; private set; }

        void Awake()
        {
            Client = new RoomwireClient(new RoomwireClientOptions
            {
                Host = host,
                Port = port,
                Reconnect = reconnect ? new ReconnectOptions() : null,
                AutoPingIntervalMs = autoPingIntervalMs,
            });
            Client.Error += error => Debug.LogWarning("Roomwire: " + error.Message);
            Client.Closed += closed => Debug.Log("Roomwire: closed" + (closed.Error == null ? "" : " (" + closed.Error.Message + ")") + (closed.Reconnecting ? ", reconnecting" : ""));
            Client.Reconnected += back => Debug.Log("Roomwire: back as " + back.ClientId + (back.Resumed ? ", resumed (" + back.Replayed + " lines replayed)" : ", logged in afresh" + (back.ResumeRefusal == null ? "" : " (" + back.ResumeRefusal.Code + ")")));
            if (connectOnAwake) Client.Connect();
        }

        void Update()
        {
            Client.Pump();
        }

        void OnDestroy()
        {
            if (Client != null) Client.Close();
        }
    }
}
