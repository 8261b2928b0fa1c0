using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Relay.Web;

/// <summary>Data Protection keys kept in memory only (cookies and anti-forgery tokens do not need to survive a restart).</summary>
internal sealed class MemoryXmlRepository : IXmlRepository
{
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_elements)
        {
            return [.. _elements.Select(element => new XElement(element))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_elements)
        {
            _elements.Add(new XElement(element));
        }
    }
}
