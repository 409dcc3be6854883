using System.Collections.Generic;
using System.Globalization;
using UnityEngine;

namespace Roomwire.Unity
{
    /// <summary>
    /// A sample: joins a room, sends this object's position ten times a second over UDP, and shows
    /// every other member as a cube at the position it sends. Untested outside Unity (see README.md).
    /// </summary>
    [RequireComponent(typeof(RoomwireBehaviour))]
    public sealed class RoomwireSample : MonoBehaviour
    {
        public string playerName = "player";
        public string room = "lobby";

        readonly Dictionary<int, GameObject> others = new Dictionary<int, GameObject>();
        RoomwireClient client;
        float nextSend;

        void Start()
        {
            client = GetComponent<RoomwireBehaviour>().Client;
            client.Login(playerName).Then(id => client.BindUdp());
            client.Join(room).Then(view => Debug.Log("in " + view.Name + ", master " + view.MasterId));
            client.Left += left => Forget(left.ClientId);
            client.MasterChanged += master => Debug.Log("master of " + master.Room + " is " + master.MasterId);
            client.MessageReceived += OnMessage;
        }

        void Update()
        {
            if (client.Room == null || Time.time < nextSend) return;
            nextSend = Time.time + 0.1f;
            var p = transform.position;
            string payload = string.Format(CultureInfo.InvariantCulture, "pos:{0},{1},{2}", p.x, p.y, p.z);
            if (client.UdpBound) client.SendUnreliable(MessageMode.Others, payload);
            else client.Send(MessageMode.Others, payload);
        }

        void OnMessage(MessageEvent message)
        {
            if (!message.Payload.StartsWith("pos:")) return;
            string[] xyz = message.Payload.Substring(4).Split(',');
            if (xyz.Length != 3) return;
            GameObject cube;
            if (!others.TryGetValue(message.SenderId, out cube))
            {
                cube = GameObject.CreatePrimitive(PrimitiveType.Cube);
                cube.name = "roomwire " + message.SenderId;
                others[message.SenderId] = cube;
            }
            cube.transform.position = new Vector3(Parse(xyz[0]), Parse(xyz[1]), Parse(xyz[2]));
        }

        void Forget(int clientId)
        {
            GameObject cube;
            if (!others.TryGetValue(clientId, out cube)) return;
            Destroy(cube);
            others.Remove(clientId);
        }

        static float Parse(string text)
        {
            float value;
            return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) ? value : 0;
        }
    }
}
